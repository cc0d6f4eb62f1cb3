loop_contracts::event! {
    #[event("lead.captured.1")]
    pub struct LeadCaptured {
        email: email,
    }
}

fn main() {}
