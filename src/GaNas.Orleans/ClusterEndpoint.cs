using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace GaNas.Orleans;

/// <summary>
/// Where a GaNas cluster is and how its members find one another, parsed from the <c>--cluster</c> text of
/// <c>ganas worker</c>, <c>ganas search</c> and <c>ganas proxies</c>:
/// <list type="bullet">
/// <item><c>localhost</c> or <c>localhost:30000,30001</c>: development clustering on this machine. Workers join the
/// primary worker (silo port <see cref="PrimarySiloPort"/>, 11111 by default), which holds the membership; clients connect
/// to the listed gateway ports (30000 by default) and reach every worker through them.</item>
/// <item><c>redis:HOST:PORT[,options]</c>: membership in Redis (StackExchange.Redis configuration text), for clusters
/// of several machines that survive the loss of any worker.</item>
/// </list>
/// Members of one cluster share <see cref="ClusterId"/> and <see cref="ServiceId"/>; a gateway refuses clients of
/// another cluster. Messaging limits are set explicitly on both sides: <see cref="MaxMessageBytes"/> and
/// <see cref="ResponseTimeout"/>.
/// </summary>
public sealed record ClusterEndpoint
{
    private ClusterEndpoint(string text, string? redis, int[] gatewayPorts)
    {
        Text = text;
        Redis = redis;
        GatewayPorts = gatewayPorts;
    }

    /// <summary>The text it was parsed from.</summary>
    public string Text { get; }

    /// <summary>The Redis configuration, or null for localhost clustering.</summary>
    public string? Redis { get; }

    /// <summary>Gateway ports a localhost client connects to.</summary>
    public IReadOnlyList<int> GatewayPorts { get; }

    /// <summary>Silo port of the primary worker of a localhost cluster (it holds the membership).</summary>
    public int PrimarySiloPort { get; init; } = 11111;

    /// <summary>Cluster id shared by every member.</summary>
    public string ClusterId { get; init; } = "ganas";

    /// <summary>Service id shared by every member.</summary>
    public string ServiceId { get; init; } = "ganas";

    /// <summary>Largest message body, in bytes (an evaluation spec carries the image batch).</summary>
    public int MaxMessageBytes { get; init; } = 96 << 20;

    /// <summary>Longest wait for any answer.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a client keeps trying to reach a gateway at start (workers started a moment before it may not be listening yet).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether this is localhost development clustering.</summary>
    public bool IsLocalhost => Redis is null;

    /// <summary>Parses <c>localhost[:PORT,...]</c> or <c>redis:CONFIGURATION</c>; throws <see cref="FormatException"/> naming the problem.</summary>
    public static ClusterEndpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        if (t.StartsWith("redis:", StringComparison.OrdinalIgnoreCase))
        {
            string configuration = t["redis:".Length..];
            if (configuration.Length == 0) throw new FormatException($"--cluster '{text}': give the Redis configuration after 'redis:', e.g. redis:localhost:6379.");
            return new ClusterEndpoint(t, configuration, []);
        }
        if (t.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return new ClusterEndpoint(t, null, [30000]);
        if (t.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            var ports = new List<int>();
            foreach (string part in t["localhost:".Length..].Split(',', StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
                    throw new FormatException($"--cluster '{text}': '{part}' is not a port number (1-65535).");
                ports.Add(port);
            }
            return new ClusterEndpoint(t, null, ports.Distinct().ToArray());
        }
        throw new FormatException($"--cluster '{text}': expected localhost, localhost:GATEWAY_PORT[,PORT...] or redis:HOST:PORT.");
    }

    /// <summary>Configures a client of this cluster: membership, cluster ids and messaging limits.</summary>
    public void ConfigureClient(IClientBuilder client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (Redis is { } redis) client.UseRedisClustering(redis);
        else client.UseStaticClustering(GatewayPorts.Select(p => new IPEndPoint(IPAddress.Loopback, p)).ToArray());
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = ClusterId;
            o.ServiceId = ServiceId;
        });
        DateTime giveUp = DateTime.UtcNow + ConnectTimeout;
        client.UseConnectionRetryFilter(async (_, ct) =>
        {
            if (DateTime.UtcNow >= giveUp) return false;
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
            return true;
        });
        client.Configure<ClientMessagingOptions>(o =>
        {
            o.MaxMessageBodySize = MaxMessageBytes;
            o.ResponseTimeout = ResponseTimeout;
        });
    }

    /// <summary>
    /// Configures a worker silo of this cluster on <paramref name="siloPort"/> and <paramref name="gatewayPort"/>: localhost
    /// clustering listens on the loopback interface only; with Redis the silo advertises <paramref name="advertise"/>
    /// (default: loopback) and listens on it.
    /// </summary>
    public void ConfigureSilo(ISiloBuilder silo, int siloPort, int gatewayPort, IPAddress? advertise = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (Redis is { } redis)
        {
            silo.UseRedisClustering(redis);
            silo.ConfigureEndpoints(advertise ?? IPAddress.Loopback, siloPort, gatewayPort);
        }
        else
        {
            if (advertise is not null && !IPAddress.IsLoopback(advertise))
                throw new ArgumentException("Localhost clustering serves this machine only; use redis:... membership to advertise another address.", nameof(advertise));
            silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, PrimarySiloPort), ServiceId, ClusterId);
        }
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = ClusterId;
            o.ServiceId = ServiceId;
        });
        silo.Configure<SiloMessagingOptions>(o =>
        {
            o.MaxMessageBodySize = MaxMessageBytes;
            o.ResponseTimeout = ResponseTimeout;
        });
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
