loop_contracts::event! {
    #[event("order.completed.v1")]
    pub struct OrderCompleted {
        currency: string(max = 3, max = 4),
    }
}

fn main() {}
