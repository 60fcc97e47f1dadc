using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GaNas.Proxies;

/// <summary>
/// The NASWOT kernel K_H[i, j] = N_A - Hamming(c_i, c_j) over binary activation codes, computed on
/// bit-packed codes with XOR and popcount: 64 units per instruction instead of two float products
/// of size batch x N_A. Codes are accumulated layer by layer, so the full code never exists at once.
/// </summary>
public sealed class HammingKernel
{
    private readonly long[] _hamming;
    private ulong[] _packed = [];

    /// <summary>Creates an empty kernel for <paramref name="batch"/> codes.</summary>
    public HammingKernel(int batch)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must hold at least one image.");
        Batch = batch;
        _hamming = new long[batch * batch];
    }

    /// <summary>Number of codes (images).</summary>
    public int Batch { get; }

    /// <summary>Threads used to pack codes and count distances (set it to libtorch's thread count).</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>N_A: number of units accumulated so far.</summary>
    public long Units { get; private set; }

    /// <summary>
    /// Adds one layer's codes: <paramref name="codes"/> holds <see cref="Batch"/> rows of
    /// <paramref name="unitsPerImage"/> bytes, each 0 (unit inactive) or 1 (active).
    /// </summary>
    public void Add(ReadOnlySpan<byte> codes, int unitsPerImage) => AddRows(codes, unitsPerImage, Pack, "code bytes", nameof(codes));

    /// <summary>
    /// Adds one layer's codes straight from its activations: <paramref name="activations"/> holds <see cref="Batch"/>
    /// rows of <paramref name="unitsPerImage"/> values, and a unit is active when its value is &gt; 0 (what a ReLU
    /// output's <c>gt(0)</c> gives, NaN inactive), without a byte tensor in between.
    /// </summary>
    public void AddActive(ReadOnlySpan<float> activations, int unitsPerImage) =>
        AddRows(activations, unitsPerImage, PackActive, "activations", nameof(activations));

    private delegate void RowPacker<T>(ReadOnlySpan<T> row, Span<ulong> words);

    /// <summary>Packs every image's row of <paramref name="values"/> into bits, then adds the pairwise distances of the packed rows.</summary>
    private unsafe void AddRows<T>(ReadOnlySpan<T> values, int unitsPerImage, RowPacker<T> pack, string what, string paramName) where T : unmanaged
    {
        if (unitsPerImage < 0 || values.Length != (long)unitsPerImage * Batch)
            throw new ArgumentException($"Expected {Batch} x {unitsPerImage} {what}, got {values.Length}.", paramName);
        if (unitsPerImage == 0) return;
        int words = (unitsPerImage + 63) / 64;
        if (_packed.Length < words * Batch) _packed = new ulong[words * Batch];
        ulong[] packed = _packed;
        fixed (T* start = values)
        {
            T* p = start;
            if (Parallelism <= 1 || (long)unitsPerImage * Batch < 65536)
            {
                for (int i = 0; i < Batch; i++) pack(new ReadOnlySpan<T>(p + (long)i * unitsPerImage, unitsPerImage), packed.AsSpan(i * words, words));
                for (int i = 0; i < Batch; i++) AddRow(i, words);
            }
            else
            {
                var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism };
                Parallel.For(0, Batch, options, i => pack(new ReadOnlySpan<T>(p + (long)i * unitsPerImage, unitsPerImage), packed.AsSpan(i * words, words)));
                // Row i pairs with Batch - 1 - i later rows: interleave rows so both threads get equal work.
                Parallel.For(0, Parallelism, options, t =>
                {
                    for (int i = t; i < Batch; i += Parallelism) AddRow(i, words);
                });
            }
        }
        Units += unitsPerImage;
    }

    /// <summary>Adds the distances of row i to every later row (each cell is written by one row only).</summary>
    private void AddRow(int i, int words)
    {
        ReadOnlySpan<ulong> a = _packed.AsSpan(i * words, words);
        for (int j = i + 1; j < Batch; j++)
        {
            long distance = Distance(a, _packed.AsSpan(j * words, words));
            _hamming[i * Batch + j] += distance;
            _hamming[j * Batch + i] += distance;
        }
    }

    /// <summary>K_H as a dense matrix (row-major, Batch x Batch).</summary>
    public double[] Kernel()
    {
        var k = new double[Batch * Batch];
        for (int i = 0; i < k.Length; i++) k[i] = Units - _hamming[i];
        return k;
    }

    /// <summary>NASWOT score: log |det K_H|, or a failure when the kernel is singular.</summary>
    public ProxyValue LogAbsDeterminant()
    {
        if (Units == 0) return ProxyValue.Failed("the network has no ReLU units");
        double logDet = LinearAlgebra.LogAbsDeterminant(Kernel(), Batch);
        return double.IsFinite(logDet) ? new ProxyValue(logDet, null) : ProxyValue.Failed("K_H is singular (identical activation codes)");
    }

    /// <summary>Packs 0/1 bytes into bits, least significant bit first.</summary>
    internal static void Pack(ReadOnlySpan<byte> bytes, Span<ulong> words)
    {
        words.Clear();
        int n = bytes.Length;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref byte start = ref Unsafe.AsRef(in bytes[0]);
            for (; i + 64 <= n; i += 64)
            {
                var lo = Vector256.ShiftLeft(Vector256.LoadUnsafe(ref start, (nuint)i), 7);
                var hi = Vector256.ShiftLeft(Vector256.LoadUnsafe(ref start, (nuint)(i + 32)), 7);
                words[i >> 6] = Vector256.ExtractMostSignificantBits(lo) | ((ulong)Vector256.ExtractMostSignificantBits(hi) << 32);
            }
        }
        for (; i < n; i++)
        {
            if (bytes[i] != 0) words[i >> 6] |= 1UL << (i & 63);
        }
    }

    /// <summary>Packs "value &gt; 0" of every value into bits, least significant bit first.</summary>
    internal static void PackActive(ReadOnlySpan<float> values, Span<ulong> words)
    {
        words.Clear();
        int n = values.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref float start = ref Unsafe.AsRef(in values[0]);
            for (; i + 64 <= n; i += 64)
            {
                ulong word = 0;
                for (int part = 0; part < 4; part++)
                {
                    var active = Vector512.GreaterThan(Vector512.LoadUnsafe(ref start, (nuint)(i + 16 * part)), Vector512<float>.Zero);
                    word |= (ulong)active.ExtractMostSignificantBits() << (16 * part);
                }
                words[i >> 6] = word;
            }
        }
        for (; i < n; i++)
        {
            if (values[i] > 0) words[i >> 6] |= 1UL << (i & 63);
        }
    }

    private static long Distance(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        long d = 0;
        for (int k = 0; k < a.Length; k++) d += BitOperations.PopCount(a[k] ^ b[k]);
        return d;
    }
}
