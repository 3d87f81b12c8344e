// Predictive maintenance on machine sensor readings, on the StreamingExecutor: session windows find each
// machine's runs, sliding windows give rolling vibration averages, and drift above nominal raises an alert.
// Usage: dotnet run --project samples/SensorMaintenance [-- --hosted [--dashboard]]
//   --hosted runs the same pipeline as a hosted service with Pipelines.Hosting (AddPipeline, health check).
//   --hosted --dashboard runs it in a web application with the live dashboard at http://localhost:5000/pipelines,
//   the shift played slower (about two minutes), until Ctrl+C.
using SensorMaintenance;

return (args.Contains("--hosted"), args.Contains("--dashboard")) switch
{
    (true, true) => await DashboardMode.RunAsync(args.Where(a => a is not ("--hosted" or "--dashboard")).ToArray()),
    (true, false) => await HostedMode.RunAsync(args.Where(a => a != "--hosted").ToArray()),
    _ => await DirectMode.RunAsync(),
};
