namespace Clickstream;

/// <summary>One clickstream event: a user did something on a page at a time. Kinds: view, click, cart, purchase.</summary>
public sealed record ClickEvent(string User, string Page, string Kind, DateTimeOffset Time);
