using System.CommandLine;
using System.Net;
using GaNas.Orleans;
using GaNas.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace GaNas.Cli.Commands;

/// <summary>
/// <c>ganas worker</c>: hosts an Orleans silo that scores architectures for <c>ganas search --cluster</c>,
/// <c>ganas proxies --cluster</c> and trainers given the cluster, until stopped (Ctrl+C or SIGTERM).
/// </summary>
internal static class WorkerCommand
{
    public static Command Create(CommandIO io)
    {
        var cluster = new Option<string>("--cluster")
        {
            Description = "Membership: localhost (workers on this machine; the one on --primary-port holds the membership) or redis:HOST:PORT.",
            DefaultValueFactory = _ => "localhost",
        };
        var clusterId = CommonOptions.ClusterId();
        var siloPort = new Option<int>("--silo-port") { Description = "Port silos talk to each other on.", DefaultValueFactory = _ => 11111 }.InRange(1, 65535);
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port clients connect to.", DefaultValueFactory = _ => 30000 }.InRange(1, 65535);
        var primaryPort = new Option<int>("--primary-port") { Description = "Silo port of the primary worker of a localhost cluster.", DefaultValueFactory = _ => 11111 }.InRange(1, 65535);
        var advertise = new Option<string?>("--advertise") { Description = "IP address this silo listens on and advertises (redis membership; default: loopback only)." };
        var threads = CommonOptions.Threads();
        var lanes = new Option<int>("--lanes") { Description = "Evaluations this worker runs at once (0 = one per core divided by --threads).", DefaultValueFactory = _ => 0 }.InRange(0, 256);
        var command = new Command("worker", "Host a silo that scores architectures for clients of its cluster (--cluster on search and proxies), until stopped.")
        {
            cluster, clusterId, siloPort, gatewayPort, primaryPort, advertise, threads, lanes,
        };
        command.SetAction((parse, cancel) => Task.FromResult(io.Guard(() =>
        {
            TorchRuntime.Initialize(parse.GetValue(threads));
            string id = parse.GetValue(clusterId)!;
            ClusterEndpoint endpoint = ClusterEndpoint.Parse(parse.GetValue(cluster)!) with { ClusterId = id, ServiceId = id, PrimarySiloPort = parse.GetValue(primaryPort) };
            IPAddress? address = parse.GetValue(advertise) is { } a
                ? IPAddress.TryParse(a, out IPAddress? ip) ? ip : throw new ArgumentException($"--advertise '{a}' is not an IP address.")
                : null;
            int silo = parse.GetValue(siloPort), gateway = parse.GetValue(gatewayPort);
            if (silo == gateway) throw new ArgumentException($"--silo-port and --gateway-port must differ (both {silo}).");
            EnsureFree(address ?? IPAddress.Loopback, silo, "--silo-port");
            EnsureFree(address ?? IPAddress.Loopback, gateway, "--gateway-port");
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Orleans.Runtime.Silo", LogLevel.Error)       // start-up notes about server GC, which a 2-core worker does not want
                .AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);  // its first check reports the time since the machine started as a stall
            builder.UseOrleans(s =>
            {
                endpoint.ConfigureSilo(s, silo, gateway, address);
                s.AddGaNasWorker(o => o.Lanes = parse.GetValue(lanes));
            });
            using IHost host = builder.Build();
            try
            {
                host.StartAsync(cancel).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is OrleansException or System.Net.Sockets.SocketException or IOException)
            {
                throw new InvalidOperationException($"The worker could not start on silo port {silo} / gateway port {gateway} ({endpoint}): {ex.Message}", ex);
            }
            var details = host.Services.GetRequiredService<ILocalSiloDetails>();
            var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GaNasWorkerOptions>>().Value;
            string membership = endpoint.IsLocalhost ? $"localhost membership held by the silo on port {endpoint.PrimarySiloPort}" : "redis membership";
            io.Error.WriteLine($"worker: silo {details.SiloAddress.ToParsableString()} (gateway port {gateway}) in cluster '{id}', {membership}; "
                + $"{options.EffectiveLanes} lane(s) x {TorchRuntime.ConfiguredThreads} thread(s); stop with Ctrl+C");
            io.Error.Flush();
            // Ctrl+C and SIGTERM reach the host's console lifetime (this action runs before System.CommandLine would install
            // its own handler), which stops the application; the command's token is honoured too, for callers that pass one.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancel, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
            try
            {
                Task.Delay(Timeout.Infinite, stopping.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                // stopped: leave the cluster gracefully
            }
            host.StopAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            io.Error.WriteLine("worker: stopped");
            return 0;
        })));
        return command;
    }

    /// <summary>Refuses a port something already listens on (another worker, say), which a silo would not always notice.</summary>
    private static void EnsureFree(IPAddress address, int port, string option)
    {
        var probe = new System.Net.Sockets.TcpListener(address, port) { ExclusiveAddressUse = true };
        try
        {
            probe.Start();
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new InvalidOperationException($"{option} {port} on {address} is in use ({ex.SocketErrorCode}): is another worker running? Give each worker its own --silo-port and --gateway-port.", ex);
        }
        finally
        {
            probe.Stop();
        }
    }
}
