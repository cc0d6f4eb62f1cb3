//! The events of an imaginary help-desk product, defined once, here.
//!
//! Their schema documents are committed in `schemas/` and checked by `tests/schemas.rs`, which
//! reads them from the registry that `event!` fills: nothing lists the events a second time.
//!
//! Check: `cargo test -p help-desk-events`; rewrite after a change to the events:
//! `LOOP_CONTRACTS_BLESS=1 cargo test -p help-desk-events`, then review and commit `schemas/`.

// The registrations `event!` emits need no unsafe code in the crate that defines the events.
#![forbid(unsafe_code)]

pub mod tickets {
    //! A ticket's life.

    loop_contracts::event! {
        /// A support ticket was opened.
        #[event("ticket.opened.v1")]
        pub struct TicketOpened {
            /// Who opened it.
            email: email,
            /// How urgent the requester says it is.
            priority: enum Priority { "low", "normal", "urgent" },
            /// The ticket's subject line.
            subject: string(min = 1, max = 200),
            /// Labels.
            tags?: array<string>,
        }

        /// A support ticket was closed.
        #[event("ticket.closed.v1")]
        pub struct TicketClosed {
            /// The ticket.
            ticketId: string(min = 1),
            /// How the requester rated the help, 1 to 5.
            rating?: integer,
        }
    }
}

pub mod agents {
    //! The people who answer.

    loop_contracts::event! {
        /// A ticket was given to an agent.
        #[event("ticket.assigned.v1")]
        pub struct TicketAssigned {
            /// The ticket.
            ticketId: string(min = 1),
            /// The agent's address.
            agent: email,
        }
    }
}
