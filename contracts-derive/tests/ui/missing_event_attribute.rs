loop_contracts::event! {
    /// A lead was captured.
    pub struct LeadCaptured {
        email: email,
    }
}

fn main() {}
