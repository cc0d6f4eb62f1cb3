loop_contracts::event! {
    #[event("order.completed.v1")]
    pub struct OrderCompleted {
        orderNumber: string,
        quantity: int,
    }
}

fn main() {}
