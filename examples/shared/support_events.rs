// The events of an imaginary help-desk product, defined once. Both the workspace's build script
// (which writes their schema documents into OUT_DIR) and `examples/build_time_schemas.rs` include
// this file, as a dependent crate would share its definitions between `build.rs` and its library.

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
