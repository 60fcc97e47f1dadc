using System.Buffers.Binary;
using StbImageSharp;

namespace GaNas.Data;

/// <summary>
/// The one image decoder of GaNas, for the core loaders and the ML.NET trainer alike: JPEG, PNG, BMP, GIF (first
/// frame), TGA and PSD through StbImageSharp, to grey (1) or RGB (3) 8-bit channels. Colour images become grey by
/// ITU-R BT.601 luma, round(0.299 R + 0.587 G + 0.114 B); grey images become RGB by copying; alpha is dropped.
/// Sizes are read from the header and checked against <see cref="MaxSide"/> and <see cref="MaxPixels"/> before any
/// pixel buffer exists (a decompression bomb is refused), PNG chunk CRCs are verified (stb does not), and every
/// failure is an <see cref="InvalidDataException"/> naming the file or row.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Largest width or height decoded.</summary>
    public const int MaxSide = 16_384;

    /// <summary>Most pixels decoded (width x height).</summary>
    public const long MaxPixels = 1L << 26;

    /// <summary>File extensions the image-folder reader decodes.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".gif"];

    private static readonly byte[] PngSignature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Decodes an image file.</summary>
    public static DecodedImage Decode(string path, int channels)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (IOException ex)
        {
            throw new InvalidDataException($"Image '{path}' cannot be read: {ex.Message}", ex);
        }
        return Decode(data, channels, path);
    }

    /// <summary>Decodes encoded image bytes; <paramref name="source"/> names them in errors.</summary>
    public static DecodedImage Decode(byte[] encoded, int channels, string source)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Images are decoded to 1 (grey) or 3 (RGB) channels.");
        if (encoded.Length == 0) throw new InvalidDataException($"Image '{source}' is empty.");
        bool png = encoded.AsSpan().StartsWith(PngSignature);
        if (png)
        {
            var (pngWidth, pngHeight) = VerifyPngChunks(encoded, source);
            CheckSize(pngWidth, pngHeight, source);
        }
        ImageInfo? info;
        try
        {
            using var stream = new MemoryStream(encoded, writable: false);
            info = ImageInfo.FromStream(stream);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Image '{source}' cannot be decoded: its header is corrupt ({ex.Message}).", ex);
        }
        if (info is not { } header) throw new InvalidDataException($"Image '{source}' cannot be decoded: not a JPEG, PNG, BMP, GIF, TGA or PSD image.");
        CheckSize(header.Width, header.Height, source);
        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(encoded, ColorComponents.RedGreenBlue);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Image '{source}' cannot be decoded ({ex.Message}); the file is corrupt or truncated.", ex);
        }
        if (image.Width != header.Width || image.Height != header.Height || image.Data is null || image.Data.Length != image.Width * image.Height * 3)
            throw new InvalidDataException($"Image '{source}' decoded to {image.Width}x{image.Height}, not the {header.Width}x{header.Height} of its header; the file is corrupt.");
        byte[] rgb = image.Data;
        if (channels == 3) return new DecodedImage(image.Width, image.Height, 3, rgb);
        var grey = new byte[image.Width * image.Height];
        for (int p = 0; p < grey.Length; p++)
            grey[p] = (byte)Math.Round(0.299 * rgb[3 * p] + 0.587 * rgb[3 * p + 1] + 0.114 * rgb[3 * p + 2]);
        return new DecodedImage(image.Width, image.Height, 1, grey);
    }

    private static void CheckSize(long width, long height, string source)
    {
        if (width <= 0 || height <= 0) throw new InvalidDataException($"Image '{source}' claims {width}x{height} pixels.");
        if (width > MaxSide || height > MaxSide || width * height > MaxPixels)
            throw new InvalidDataException($"Image '{source}' claims {width}x{height} pixels; at most {MaxSide} per side and {MaxPixels:N0} in all are decoded.");
    }

    /// <summary>Checks that every PNG chunk fits in the file and matches its CRC-32, up to IEND; returns IHDR's size.</summary>
    private static (long Width, long Height) VerifyPngChunks(byte[] png, string source)
    {
        long width = 0, height = 0;
        int pos = PngSignature.Length;
        while (true)
        {
            if (pos + 12 > png.Length) throw new InvalidDataException($"Image '{source}' is truncated (chunk at byte {pos} runs past the end, no IEND chunk).");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (length > (uint)(png.Length - pos - 12)) throw new InvalidDataException($"Image '{source}' is truncated or corrupt (chunk at byte {pos} claims {length} bytes).");
            ReadOnlySpan<byte> typeAndData = png.AsSpan(pos + 4, 4 + (int)length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + (int)length));
            string type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            if (System.IO.Hashing.Crc32.HashToUInt32(typeAndData) != stored)
                throw new InvalidDataException($"Image '{source}' is corrupt: CRC mismatch in its {type} chunk.");
            if (type == "IHDR" && length >= 8)
            {
                width = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8));
                height = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 12));
            }
            pos += 12 + (int)length;
            if (type == "IEND") return (width, height);
        }
    }
}
