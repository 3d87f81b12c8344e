namespace Pipelines.Sql.Syntax;

/// <summary>How the text of two expressions is compared to find one in another clause (a GROUP BY key, an ORDER BY item).</summary>
internal static class ExpressionText
{
    /// <summary>
    /// Whether <paramref name="a"/> and <paramref name="b"/> are the same expression as written: keywords, functions
    /// and names compare ignoring case, string literals exactly (<c>'Unknown'</c> is not <c>'unknown'</c>).
    /// </summary>
    public static bool Same(string a, string b)
    {
        if (a.Length != b.Length) return false;
        bool inString = false;
        for (int i = 0; i < a.Length; i++)
        {
            char x = a[i], y = b[i];
            if (x == '\'' && y == '\'')
            {
                // A doubled quote inside a literal toggles twice: the literal goes on.
                inString = !inString;
                continue;
            }

            if (inString ? x != y : char.ToUpperInvariant(x) != char.ToUpperInvariant(y)) return false;
        }

        return true;
    }
}
