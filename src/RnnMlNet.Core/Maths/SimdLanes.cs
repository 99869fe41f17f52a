using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnMlNet.Core.Maths;

/// <summary>
/// The few vector operations the SGEMM micro-kernel needs, so that one kernel body serves every vector width:
/// the JIT specialises the kernel for each struct that implements this, with no call overhead.
/// </summary>
internal unsafe interface ISimdLanes<TVector> where TVector : unmanaged
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TVector Load(float* source);

    static abstract void Store(TVector value, float* destination);

    /// <summary>Every lane set to *source.</summary>
    static abstract TVector Broadcast(float* source);

    /// <summary>a·b + c.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);
}

/// <summary>256-bit lanes with a hardware fused multiply-add (x64 with AVX2 and FMA).</summary>
internal unsafe struct Avx2FmaLanes : ISimdLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* source) => Avx.LoadVector256(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, float* destination) => Avx.Store(destination, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float* source) => Vector256.Create(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);
}

/// <summary>128-bit lanes, portable: fused where the CPU has it, multiply then add where it does not.</summary>
internal unsafe struct Vector128Lanes : ISimdLanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(float* source) => Vector128.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, float* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float* source) => Vector128.Create(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);
}
