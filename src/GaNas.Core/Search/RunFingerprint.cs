using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using static TorchSharp.torch;

namespace GaNas.Search;

/// <summary>
/// Everything that determines the values a run computes (search space, proxies, seed, skeleton, the image batch's
/// contents, ...), as named text fields. Checkpoints and resumable tables store it, and a resume whose fingerprint
/// differs is refused naming the first differing field, so a file is never continued with other data or settings.
/// Thread counts and the memory layout are left out: they change values only by float32 rounding.
/// </summary>
public sealed class RunFingerprint
{
    /// <summary>Bumped when a proxy's computation changes, so files computed by older code are not resumed.</summary>
    public const string ProxyCodeVersion = "3";

    private readonly SortedDictionary<string, string> _fields;

    /// <summary>Creates a fingerprint from its fields.</summary>
    public RunFingerprint(IEnumerable<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in fields) _fields[key] = value;
    }

    /// <summary>The fields, by name.</summary>
    public IReadOnlyDictionary<string, string> Fields => _fields;

    /// <summary>A fingerprint with <paramref name="more"/> fields added (a wrapping runner adds its own settings).</summary>
    public RunFingerprint With(params (string Key, string Value)[] more) =>
        new(_fields.Concat(more.Select(m => new KeyValuePair<string, string>(m.Key, m.Value))));

    /// <summary>Every difference from <paramref name="stored"/> as one sentence, or null when they are equal.</summary>
    public string? DifferenceFrom(RunFingerprint stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var differences = new List<string>();
        foreach (string key in _fields.Keys.Union(stored._fields.Keys).Order(StringComparer.Ordinal))
        {
            string? mine = _fields.GetValueOrDefault(key), theirs = stored._fields.GetValueOrDefault(key);
            if (mine != theirs) differences.Add($"'{key}' is {theirs ?? "(absent)"} in the file but {mine ?? "(absent)"} in this run");
        }
        return differences.Count == 0 ? null : string.Join("; ", differences);
    }

    /// <summary>SHA-256 of a tensor's values (its shape is a field of its own), hex, shortened to 16 bytes.</summary>
    public static string HashOf(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        using Tensor cpu = values.cpu().contiguous();
        byte[] bytes = cpu.dtype switch
        {
            ScalarType.Float32 => MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()).ToArray(),
            ScalarType.Int64 => MemoryMarshal.AsBytes(cpu.data<long>().ToArray().AsSpan()).ToArray(),
            ScalarType.Float64 => MemoryMarshal.AsBytes(cpu.data<double>().ToArray().AsSpan()).ToArray(),
            ScalarType.Byte => cpu.data<byte>().ToArray(),
            _ => throw new ArgumentException($"No fingerprint for tensors of {cpu.dtype}.", nameof(values)),
        };
        return Convert.ToHexString(SHA256.HashData(bytes), 0, 16);
    }

    /// <summary>The shape of a tensor as text ("64x3x32x32").</summary>
    public static string ShapeOf(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return string.Join('x', values.shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
    }
}

/// <summary>A trial runner (or anything else that computes values) that can say what determines them.</summary>
public interface IFingerprinted
{
    /// <summary>What determines the computed values.</summary>
    RunFingerprint Fingerprint { get; }
}
