loop_contracts::event! {
    #[event("lead.captured.v1")]
    #[event("lead.captured.v2")]
    pub struct LeadCaptured {
        email: email,
    }
}

fn main() {}
