namespace Clickstream;

/// <summary>What a user did in one visit (a session window): events, page views, and whether it ended in a purchase.</summary>
public readonly record struct Visit(int Events, int Views, bool Purchased);
