loop_contracts::event! {
    #[event("order.completed.v1")]
    pub struct OrderCompleted {
        billing: object Address { city: string },
        shipping: object Address { city?: string },
    }
}

fn main() {}
