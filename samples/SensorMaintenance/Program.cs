// Predictive maintenance on machine sensor readings, on the StreamingExecutor: session windows find each
// machine's runs, sliding windows give rolling vibration averages, and drift above nominal raises an alert.
// Usage: dotnet run --project samples/SensorMaintenance [-- --hosted]
//   --hosted runs the same pipeline as a hosted service with Pipelines.Hosting (AddPipeline, health check).
using SensorMaintenance;

return args.Contains("--hosted")
    ? await HostedMode.RunAsync(args.Where(a => a != "--hosted").ToArray())
    : await DirectMode.RunAsync();
