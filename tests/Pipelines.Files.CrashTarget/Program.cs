using System.Globalization;
using Pipelines;
using Pipelines.Files;

// Reads readings (key, event time) from a JSON Lines file, counts them per key in 10-second event-time windows and
// writes the counts to JSON Lines files, one bucket per window, rolled every KiB (so files also finish between
// checkpoints, and only two-phase commit keeps a killed run from publishing rows it will write again).
//   crash-target streaming <input> <output> <checkpoints>   a streaming run storing a checkpoint every 200 ms, slowed
//                                                          down so a test can kill it while it runs
//   crash-target bounded <input> <output>                  the same pipeline in one bounded run
if (args.Length < 3) return Usage();
string mode = args[0], input = args[1], output = args[2];
bool streaming = mode == "streaming";
if (!streaming && mode != "bounded") return Usage();
if (streaming && args.Length < 4) return Usage();

var p = new PipelineBuilder("crash-target");
long seen = 0;
p.From(FileSources.JsonLines<Reading>(input))
    .WithEventTime(r => DateTimeOffset.FromUnixTimeMilliseconds(r.Ms), Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1)))
    .Select(r =>
    {
        // About four seconds for the whole input in a streaming run, so there are many checkpoints to kill it between.
        if (streaming && Interlocked.Increment(ref seen) % 20 == 0) Thread.Sleep(1);
        return r;
    })
    .KeyBy(r => r.Key)
    .Window(Windows.Tumbling(TimeSpan.FromSeconds(10)))
    .Count()
    .Select(w => new WindowCount(w.Key, w.Window.Start, w.Value))
    .To(FileSinks.JsonLines<WindowCount>(output, new FileSinkOptions { MaxOpenFiles = 4, MaxFileBytes = 1024 }, bucketBy: w => w.Start.UtcDateTime.ToString("HHmmss", CultureInfo.InvariantCulture)));

if (streaming)
{
    var options = new StreamingOptions
    {
        Parallelism = 2,
        CheckpointStorage = CheckpointStorage.Directory(args[3]),
        CheckpointInterval = TimeSpan.FromMilliseconds(200),
        IdleTimeout = Timeout.InfiniteTimeSpan,
    };
    await new StreamingExecutor(options).RunAsync(p.Build());
}
else
{
    await new BoundedExecutor().RunAsync(p.Build());
}

Console.WriteLine("done");
return 0;

static int Usage()
{
    Console.Error.WriteLine("usage: crash-target streaming <input> <output> <checkpoints> | bounded <input> <output>");
    return 2;
}

/// <summary>One input line.</summary>
internal sealed record Reading(string Key, long Ms);

/// <summary>One output line: how many readings a key had in a window.</summary>
internal sealed record WindowCount(string Key, DateTimeOffset Start, long Count);
