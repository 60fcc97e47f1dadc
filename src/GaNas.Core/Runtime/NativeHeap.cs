using System.Runtime.InteropServices;

namespace GaNas.Runtime;

/// <summary>
/// Returns freed native memory to the operating system. libtorch allocates every feature map with
/// glibc's malloc; glibc keeps freed chunks in its arenas (one per thread that allocated) and, after large
/// blocks are freed, raises its mmap threshold so later large blocks come from those arenas too. Over
/// thousands of networks of different shapes the process's resident memory then climbs although nothing
/// leaks (8,788 TSS architectures ended at 5.8 GB). <c>malloc_trim(0)</c> hands the free pages back, so long
/// evaluation loops call <see cref="Trim"/> every few dozen networks. Measured with <c>ganas proxies --archs
/// random:1000:3 --proxies naswot,ni,logsynflow --workers 2 --trim-every 0</c> against the default 32 (docs/performance.md):
/// about 2 GB resident at the end without trimming, about 0.8 GB with it, for 0.2-1.5 % more proxy time (two runs).
/// A no-op where glibc is not the allocator.
/// </summary>
public static class NativeHeap
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

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(UIntPtr pad);
}
