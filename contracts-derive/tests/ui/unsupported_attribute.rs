loop_contracts::event! {
    #[event("lead.captured.v1")]
    #[derive(Hash)]
    pub struct LeadCaptured {
        email: email,
    }
}

fn main() {}
