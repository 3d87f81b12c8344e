namespace Pipelines.Readme.Tests;

/// <summary>Every C# snippet of README.md is held, line for line, by a test that runs it.</summary>
public class ReadmeCoverageTests
{
    [Fact]
    public void EveryCSharpSnippet_IsHeldByATest()
    {
        var regions = Directory.EnumerateFiles(Path.Combine(Readme.Root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (File: f, Lines: Readme.RegionLines(f)))
            .Where(r => r.Lines.Count > 0)
            .ToList();

        var blocks = Readme.Blocks();
        blocks.Should().HaveCountGreaterThanOrEqualTo(6);
        foreach (var block in blocks)
        {
            var holder = regions.FirstOrDefault(r => Readme.Covers(r.Lines, block));
            holder.File.Should().NotBeNull($"a test should hold this README snippet line for line:\n{string.Join('\n', block)}");
            var usings = File.ReadAllLines(holder.File).Where(Readme.IsUsing).Select(l => l.Split("//")[0].Trim()).ToHashSet();
            foreach (string u in block.Select(l => l.Trim()).Where(Readme.IsUsing))
            {
                usings.Should().Contain(u.Split("//")[0].Trim(), $"the README snippet says '{u}' and {Path.GetFileName(holder.File)} should too");
            }
        }
    }

    [Fact]
    public void TheCoverageCheck_NoticesAChangedLine()
    {
        var block = Readme.Blocks()[0];
        var region = block.Select(l => l.Trim()).Where(l => l.Length > 0 && !Readme.IsUsing(l)).ToList();
        Readme.Covers(region, block).Should().BeTrue();

        region[region.Count / 2] += " ";

        Readme.Covers(region, block).Should().BeFalse();
    }
}
