loop_contracts::event! {
    #[event("order.completed.v1")]
    pub struct OrderCompleted {
        tags: array<text>,
    }
}

fn main() {}
