using System.Runtime.InteropServices;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>A one-line description of the machine, for result files.</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        string cpu = "unknown CPU";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line is not null) cpu = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
            }
        }
        catch (IOException)
        {
            // Keep "unknown CPU".
        }

        double memoryGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{cpu}, {Environment.ProcessorCount} logical cores, {memoryGiB:0.#} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
