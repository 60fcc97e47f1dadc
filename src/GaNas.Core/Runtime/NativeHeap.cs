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

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(UIntPtr pad);
}
