namespace Pipelines.Operators;

/// <summary>The one rule for keys every keyed operator applies: a key selector must not return null.</summary>
internal static class Keys
{
    /// <summary>Returns <paramref name="key"/>, or throws (handled by the operator's error policy) when it is null.</summary>
    public static TKey NotNull<TKey>(TKey key)
        where TKey : notnull
        => key ?? throw new InvalidOperationException("The key selector returned null; keys must not be null. Map missing keys to a value, or filter those elements out before KeyBy.");
}
