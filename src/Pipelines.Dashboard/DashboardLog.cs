using Microsoft.Extensions.Logging;

namespace Pipelines.Dashboard;

/// <summary>The dashboard's log messages (category <c>Pipelines.Dashboard</c>).</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "The dashboard could not take its sample of the runs; it tries again at the next tick")]
    public static partial void SampleFailed(ILogger logger, Exception exception);
}
