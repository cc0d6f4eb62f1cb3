loop_contracts::event! {
    #[event("lead.captured.v1")]
    pub struct LeadCaptured {
        "--": string,
    }
}

fn main() {}
