loop_contracts::event! {
    #[event("order.completed.v1")]
    pub struct OrderCompleted {
        currency: string(max = 99999999999999999999),
    }
}

fn main() {}
