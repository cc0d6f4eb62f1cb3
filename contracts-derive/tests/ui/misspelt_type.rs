loop_contracts::event! {
    #[event("order.completed.v1")]
    pub struct OrderCompleted {
        quantity: interger,
        paid: Boolen,
        note: string(mx = 3),
    }
}

fn main() {}
