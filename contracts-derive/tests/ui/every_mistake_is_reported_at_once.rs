loop_contracts::event! {
    #[event("Order.completed.v1")]
    pub struct OrderCompleted {
        eventId: uuid,
        quantity: int,
        currency: string(min = 4, max = 3),
        channel: enum Channel { "web", "web" },
        quantity: integer,
    }
}

fn main() {}
