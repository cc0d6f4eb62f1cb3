loop_contracts::event! {
    #[event("order.completed.v1")]
    pub struct OrderCompleted {
        note: Option<String>,
    }
}

fn main() {}
