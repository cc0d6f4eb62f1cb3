loop_contracts::event! {
    #[event("lead.captured.v1")]
    pub struct LeadCaptured {
        source: enum LeadSource { "vsl_form", "vsl-form" },
    }
}

fn main() {}
