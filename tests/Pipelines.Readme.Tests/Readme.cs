using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Pipelines.Readme.Tests;

/// <summary>
/// The README's C# snippets and the test code that runs them. A test holds a snippet between
/// <c>#region README: name</c> and <c>#endregion</c>, line for line as the README shows it (indentation aside;
/// the README's <c>using</c> lines are the file's). Output a snippet prints is listed in the README under a
/// <c>// prints:</c> comment, one <c>//   line</c> per printed line.
/// </summary>
internal static partial class Readme
{
    public static string Root { get; } = FindRoot();

    /// <summary>Every <c>```csharp</c> block of README.md, as lines.</summary>
    public static IReadOnlyList<string[]> Blocks()
    {
        var blocks = new List<string[]>();
        List<string>? current = null;
        foreach (string line in File.ReadAllLines(Path.Combine(Root, "README.md")))
        {
            if (current is null)
            {
                if (line.Trim() == "```csharp") current = [];
            }
            else if (line.Trim() == "```")
            {
                blocks.Add([.. current]);
                current = null;
            }
            else
            {
                current.Add(line);
            }
        }

        return blocks;
    }

    /// <summary>The regions named <c>README: …</c> of a test file, joined, as trimmed non-empty lines.</summary>
    public static List<string> RegionLines(string file, string? name = null)
    {
        var lines = new List<string>();
        bool inside = false;
        foreach (string line in File.ReadAllLines(file))
        {
            string trimmed = line.Trim();
            if (!inside && trimmed.StartsWith("#region README:", StringComparison.Ordinal))
            {
                inside = name is null || trimmed == "#region README: " + name;
            }
            else if (inside && trimmed == "#endregion")
            {
                inside = false;
            }
            else if (inside && trimmed.Length > 0)
            {
                lines.Add(trimmed);
            }
        }

        return lines;
    }

    /// <summary>The README block that the region <paramref name="name"/> of the calling file holds.</summary>
    public static string[] BlockOf(string name, [CallerFilePath] string file = "")
    {
        var region = RegionLines(file, name);
        region.Should().NotBeEmpty($"{Path.GetFileName(file)} has a region 'README: {name}'");
        return Blocks().FirstOrDefault(b => Covers(region, b))
            ?? throw new InvalidOperationException($"No C# block of README.md is the region 'README: {name}' of {Path.GetFileName(file)}: the README and the test have drifted apart.");
    }

    /// <summary>What the README says a block prints: the <c>//</c> lines after its <c>// prints:</c> line.</summary>
    public static List<string> ExpectedOutput(string[] block)
    {
        var expected = new List<string>();
        int start = Array.FindIndex(block, l => l.Trim() == "// prints:");
        if (start < 0) return expected;
        for (int i = start + 1; i < block.Length && block[i].TrimStart().StartsWith("//", StringComparison.Ordinal); i++)
        {
            expected.Add(PrintedLine().Replace(block[i], string.Empty));
        }

        return expected;
    }

    /// <summary>True when <paramref name="region"/> holds the block's lines (other than usings) in one piece.</summary>
    public static bool Covers(List<string> region, string[] block)
    {
        var wanted = block.Select(l => l.Trim()).Where(l => l.Length > 0 && !IsUsing(l)).ToList();
        for (int start = 0; start + wanted.Count <= region.Count; start++)
        {
            if (region.Skip(start).Take(wanted.Count).SequenceEqual(wanted, StringComparer.Ordinal)) return true;
        }

        return false;
    }

    public static bool IsUsing(string line) => UsingLine().IsMatch(line);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipelines.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException($"Pipelines.sln not found above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^\s*using [\w.]+;")]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"^\s*//   ?")]
    private static partial Regex PrintedLine();
}
