loop_contracts::event! {
    #[event("lead.captured.v1")]
    pub struct LeadCaptured {
        tags: #[derive(Hash)] array<string>,
        extra: #[doc(hidden)] object,
        items: array<#[derive(Hash)] string>,
        #[event("lead.captured.v1")]
        email: email,
        address: #[event("lead.captured.v1")] object Address { city: string },
    }
}

fn main() {}
