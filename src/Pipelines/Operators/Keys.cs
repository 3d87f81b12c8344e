using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Pipelines.Operators;

/// <summary>The one rule for keys every keyed operator applies: a key selector must not return null.</summary>
internal static class Keys
{
    /// <summary>Returns <paramref name="key"/>, or throws (handled by the operator's error policy) when it is null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TKey NotNull<TKey>(TKey key)
        where TKey : notnull
    {
        if (key is null) ThrowNullKey();
        return key;
    }

    [DoesNotReturn]
    private static void ThrowNullKey() =>
        throw new InvalidOperationException("The key selector returned null; keys must not be null. Map missing keys to a value, or filter those elements out before KeyBy.");
}
