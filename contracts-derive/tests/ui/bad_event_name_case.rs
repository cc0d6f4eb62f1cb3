loop_contracts::event! {
    #[event("Lead.captured.v1")]
    pub struct LeadCaptured {
        email: email,
    }
}

fn main() {}
