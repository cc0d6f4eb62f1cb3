loop_contracts::event! {
    #[event("order.completed.v1")]
    pub struct OrderCompleted {
        currency: string(min = 4, max = 3),
    }
}

fn main() {}
