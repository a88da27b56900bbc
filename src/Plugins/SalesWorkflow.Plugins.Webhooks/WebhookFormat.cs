namespace SalesWorkflow.Plugins.Webhooks;

/// <summary>
/// What an endpoint accepts: the raw event (for your own systems) or a message for people in the shape a chat tool's
/// incoming webhook takes. Chat formats carry the event's notification (<see cref="SalesWorkflow.Sdk.Events.Notification"/>)
/// in the endpoint's language, and by default only the events meant for people.
/// </summary>
public enum WebhookFormat
{
    /// <summary>The event as JSON, signed with <c>X-SalesWorkflow-Signature</c> (see the README).</summary>
    Raw = 0,

    /// <summary>WeCom (企业微信) group robot: <c>{"msgtype":"text"}</c>; the key is in the URL.</summary>
    WeCom = 1,

    /// <summary>DingTalk (钉钉) custom robot: <c>{"msgtype":"text"}</c>, signed with the robot's secret in the URL's <c>timestamp</c> and <c>sign</c>.</summary>
    DingTalk = 2,

    /// <summary>Feishu / Lark (飞书) custom bot: <c>{"msg_type":"post"}</c>, signed with the bot's secret in the body's <c>timestamp</c> and <c>sign</c>.</summary>
    Feishu = 3,

    /// <summary>Slack incoming webhook: <c>{"text"}</c> in Slack's mrkdwn, with <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> escaped.</summary>
    Slack = 4,

    /// <summary>Microsoft Teams workflow ("Post to a channel when a webhook request is received"): an Adaptive Card.</summary>
    Teams = 5,
}
