namespace QuickStart;

/// <summary>One clickstream event: a user did something (<c>view</c>, <c>click</c> or <c>purchase</c>) on a page at a time.</summary>
public sealed record Click(string UserId, string Page, string Kind, DateTimeOffset Time);
