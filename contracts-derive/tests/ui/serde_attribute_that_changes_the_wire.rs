loop_contracts::event! {
    #[event("lead.captured.v1")]
    #[serde(deny_unknown_fields, rename_all = "snake_case")]
    pub struct LeadCaptured {
        #[serde(rename = "mail")]
        email: email,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        personId?: uuid,
        #[serde(flatten)]
        extra: object,
        address: #[serde(rename_all = "camelCase")] object Address { "x-zip"?: string },
        source: #[serde(rename_all = "lowercase")] enum Source { "vsl_form", "web" },
        channel: #[serde(rename_all = "kebab")] enum Channel { "web" },
    }
}

fn main() {}
