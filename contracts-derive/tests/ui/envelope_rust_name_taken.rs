loop_contracts::event! {
    #[event("lead.captured.v1")]
    pub struct LeadCaptured {
        event_id: string,
    }
}

fn main() {}
