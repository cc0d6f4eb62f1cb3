loop_contracts::event! {
    #[event("lead.captured.v1")]
    pub struct LeadCaptured {
        eventId: uuid,
        email: email,
    }
}

fn main() {}
