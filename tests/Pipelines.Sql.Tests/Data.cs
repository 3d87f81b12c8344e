namespace Pipelines.Sql.Tests;

/// <summary>Small hand-written files shared by the tests.</summary>
internal static class Data
{
    public const string Flights = """
        origin,dest,airline,delay,distance,price,dep_time
        AMS,LHR,KL,5,370,120.50,2024-05-01 08:00:00
        AMS,CDG,AF,-3,400,99.99,2024-05-01 08:00:30
        LHR,AMS,BA,12,370,130.00,2024-05-01 08:01:10
        AMS,LHR,BA,0,370,110.00,2024-05-01 08:01:50
        CDG,AMS,AF,25,400,89.00,2024-05-01 08:02:05
        AMS,JFK,KL,,5850,650.00,2024-05-01 08:02:40
        LHR,JFK,BA,40,5540,700.25,2024-05-01 08:03:59
        AMS,LHR,KL,7,370,125.00,2024-05-01 08:10:00
        """;

    public static string CreateFlights(string format = "csv", string path = "flights.csv", string extra = "") => $"""
        CREATE TABLE flights (
          origin STRING, dest STRING, airline STRING, delay INT, distance BIGINT, price DECIMAL(10, 2), dep_time TIMESTAMP(3),
          WATERMARK FOR dep_time AS dep_time - INTERVAL '5' SECOND
        ) WITH ('connector' = 'filesystem', 'path' = '{path}', 'format' = '{format}'{extra});
        """;

    public const string Airlines = """
        code,name
        KL,KLM
        AF,Air France
        BA,British Airways
        LH,Lufthansa
        """;

    public const string CreateAirlines = """
        CREATE TABLE airlines (code STRING, name STRING) WITH ('connector' = 'filesystem', 'path' = 'airlines.csv', 'format' = 'csv');
        """;
}
