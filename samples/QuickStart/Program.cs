// Pipelines quick start: one pipeline definition (ViewCounts.cs), run as a batch job and as a stream.
using QuickStart;

await BatchDemo.RunAsync();
Console.WriteLine();
bool ok = await StreamingDemo.RunAsync();
return ok ? 0 : 1;
