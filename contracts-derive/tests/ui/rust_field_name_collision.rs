loop_contracts::event! {
    #[event("lead.captured.v1")]
    pub struct LeadCaptured {
        firstName: string,
        "first-name": string,
    }
}

fn main() {}
