using Pipelines.Benchmarks.Infrastructure;
using Pipelines.Benchmarks.Workloads;

var ws = new IWorkload[] { new FilterProject(), new TumblingCount() };
foreach (var w in ws)
{
    w.Prepare(200_000);
    foreach (var c in w.ContenderNames)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Console.WriteLine($"{w.Name} {c}: {w.Validate(c) ?? "OK"} {sw.ElapsedMilliseconds} ms");
    }
}
AkkaHost.Shutdown();
