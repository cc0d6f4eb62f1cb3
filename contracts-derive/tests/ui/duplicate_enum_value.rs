loop_contracts::event! {
    #[event("lead.captured.v1")]
    pub struct LeadCaptured {
        source: enum LeadSource { "quiz", "form", "quiz" },
    }
}

fn main() {}
