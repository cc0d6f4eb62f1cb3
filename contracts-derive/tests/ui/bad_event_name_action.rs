loop_contracts::event! {
    #[event("lead.captured_.v1")]
    pub struct LeadCaptured {
        email: email,
    }
}

fn main() {}
