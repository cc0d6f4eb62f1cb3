loop_contracts::event! {
    #[event("order.completed.v1")]
    pub struct OrderCompleted {
        lineItems: array<object LineItem {
            sku: string,
            quantity: integer,
            sku?: string,
        }>,
    }
}

fn main() {}
