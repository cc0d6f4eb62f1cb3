loop_contracts::event! {
    #[event("lead.captured.v1")]
    pub struct LeadCaptured {
        email: email,
        source: string,
        email: string,
    }
}

fn main() {}
