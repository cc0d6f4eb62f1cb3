loop_contracts::event! {
    #[event("order.completed.v1")]
    pub struct OrderCompleted {
        currency: string(len = 3),
    }
}

fn main() {}
