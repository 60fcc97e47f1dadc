using System.Runtime.InteropServices;

namespace GaNas.Runtime;

/// <summary>
/// Returns freed native memory to the operating system. libtorch allocates every feature map with
/// glibc's malloc; glibc keeps freed chunks in its arenas (one per thread that allocated) and, after large
/// blocks are freed, raises its mmap threshold so later large blocks come from those arenas too. Over
/// thousands of networks of different shapes the process's resident memory then climbs although nothing
/// leaks. <c>malloc_trim(0)</c> hands the free pages back, so long evaluation loops call <see cref="Trim"/> every few
/// dozen networks (<c>ganas proxies --trim-every</c>; resident memory with and without it: docs/performance.md).
/// A no-op where glibc is not the allocator.
/// </summary>
internal static class NativeHeap
{
    private static int _unavailable;

    /// <summary>Releases free heap memory to the OS; false when the platform has no <c>malloc_trim</c>.</summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _unavailable) != 0) return false;
        try
        {
            MallocTrim(UIntPtr.Zero);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl and other C libraries without malloc_trim: nothing to do.
            Volatile.Write(ref _unavailable, 1);
            return false;
        }
    }

    /// <summary>glibc's <c>M_TRIM_THRESHOLD</c>: free memory at the top of a heap above this goes back to the kernel.</summary>
    private const int TrimThresholdParameter = -1;

    /// <summary>glibc's <c>M_MMAP_THRESHOLD</c>: blocks from this size up get their own mapping, unmapped when freed.</summary>
    private const int MmapThresholdParameter = -3;

    /// <summary>Blocks up to this size come from the heap once <see cref="RetainFreed"/> ran (glibc's largest mmap threshold on 64-bit).</summary>
    public const int RetainedBlockBytes = 32 << 20;

    /// <summary>Free memory kept at the top of a heap once <see cref="RetainFreed"/> ran.</summary>
    public const int RetainedTopBytes = 1 << 30;

    /// <summary>
    /// Makes glibc keep freed blocks of up to <see cref="RetainedBlockBytes"/> for reuse instead of giving them back to
    /// the kernel (fixed mmap threshold, and up to <see cref="RetainedTopBytes"/> of free memory at a heap's top), so
    /// the next training step's feature maps do not fault in fresh zeroed pages. Process-wide and for the process's
    /// life; <see cref="Trim"/> still returns free memory on request. False where glibc's <c>mallopt</c> is missing or
    /// refuses.
    /// </summary>
    public static bool RetainFreed()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return Mallopt(MmapThresholdParameter, RetainedBlockBytes) == 1 & Mallopt(TrimThresholdParameter, RetainedTopBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(UIntPtr pad);
}
