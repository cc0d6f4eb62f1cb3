use loop_contracts::Event;

loop_contracts::event! {
    #[event("order.completed.v1")]
    pub struct OrderCompleted {
        quantity: int,
        channel: enum Channel { "web", "web" },
    }
}

fn main() {
    // The definition is wrong, yet the struct, its fields and its impls still exist: the only
    // errors are the definition's own.
    let order: OrderCompleted = serde_json::from_str("{}").unwrap();
    let _ = (order.quantity, order.channel == Channel::Web, OrderCompleted::NAME);
}
