using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Pipelines.Postgres.Tests;

/// <summary>
/// A PostgreSQL server for tests: the one <c>PIPELINES_POSTGRES_CONNECTION</c> names (it needs <c>wal_level = logical</c>
/// and a user that may create databases and replication slots), or else a throwaway cluster this class starts itself
/// from the binaries under <c>/usr/lib/postgresql/*/bin</c> (Debian's <c>postgresql</c> package): <c>initdb</c> into a
/// temporary folder, a free local port, logical WAL, stopped and deleted on dispose. As root on a machine without them,
/// it installs them first (<c>apt-get install postgresql</c>), and runs the cluster as the <c>postgres</c> user
/// (PostgreSQL refuses to run as root). Each test gets a database of its own.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "PIPELINES_POSTGRES_CONNECTION";
    private string? _dataDirectory;
    private string? _binaries;
    private int _databases;
    private readonly List<string> _created = [];

    /// <summary>The connection string of the server's maintenance database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Starts the server (or takes the one the environment names).</summary>
    /// <param name="durable">False (tests) turns fsync and synchronous commit off; true keeps PostgreSQL's defaults, for measurements.</param>
    public async Task StartAsync(bool durable = false)
    {
        string? given = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            ConnectionString = given;
            return;
        }

        _binaries = FindBinaries();
        if (_binaries is null && Environment.UserName == "root" && File.Exists("/usr/bin/apt-get"))
        {
            // A fresh Debian machine: install the server package, as .ci/run does, so the tests need no set-up.
            await RunAsync("apt-get", ["update", "-qq"]);
            await RunAsync("apt-get", ["install", "-y", "-qq", "postgresql"]);
            _binaries = FindBinaries();
        }

        if (_binaries is null)
        {
            throw new InvalidOperationException(
                $"No PostgreSQL server for the tests: set {EnvironmentVariable} to a server with wal_level = logical, or install Debian's " +
                "PostgreSQL (apt-get install -y postgresql) so the tests can start a throwaway cluster themselves (.ci/run does this).");
        }

        _dataDirectory = Path.Combine(Path.GetTempPath(), "pipelines-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_dataDirectory);
        bool root = Environment.UserName == "root";
        if (root) await RunAsync("chown", ["postgres:postgres", _dataDirectory]);
        int port = FreePort();
        await RunPostgresAsync(root, "initdb", ["-D", _dataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"]);
        string settings = $"-p {port} -k {_dataDirectory} -c listen_addresses=127.0.0.1 -c wal_level=logical -c max_replication_slots=64 -c max_wal_senders=64 " +
            "-c max_connections=200 -c shared_buffers=256MB" + (durable ? " -c max_wal_size=4GB" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        await RunPostgresAsync(root, "pg_ctl", ["-D", _dataDirectory, "-l", Path.Combine(_dataDirectory, "server.log"), "-o", settings, "-w", "-t", "60", "start"]);
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Include Error Detail=true";
    }

    /// <summary>A new empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        string name = $"test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}";
        await ExecuteAsync(ConnectionString, $"CREATE DATABASE {name}");
        lock (_created) _created.Add(name);
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<List<object?[]>> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_dataDirectory is null || _binaries is null)
        {
            // A server of the environment's: leave it as it was, without the tests' slots and databases.
            foreach (string name in _created)
            {
                await ExecuteAsync(ConnectionString, $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '{name}'");
                await ExecuteAsync(ConnectionString, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            }

            return;
        }

        try
        {
            await RunPostgresAsync(Environment.UserName == "root", "pg_ctl", ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out int v) ? v : 0).FirstOrDefault()
            : null;

    private Task RunPostgresAsync(bool root, string tool, string[] args)
    {
        string path = Path.Combine(_binaries!, tool);
        return root ? RunAsync("runuser", ["-u", "postgres", "--", path, .. args]) : RunAsync(path, args);
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await error}{await output}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
