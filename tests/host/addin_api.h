// Declarations of the 1C:Enterprise Native API interfaces, written for our test host in the same
// shape as the platform's kit headers (types.h, ComponentBase.h, AddInDefBase.h, IMemoryManager.h):
// the same base order and virtual destructors, so the C++ compiler, not us, decides the vtables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>

#if defined(_WINDOWS)
#define ADDIN_API __stdcall
typedef wchar_t WCHAR_T;
#else
#define ADDIN_API
typedef char16_t WCHAR_T;
#endif

typedef unsigned short TYPEVAR;
typedef double DATE;
struct IID_ { uint32_t a; uint16_t b, c; uint8_t d[8]; };

enum VarTypes {
    VTYPE_EMPTY = 0, VTYPE_NULL, VTYPE_I2, VTYPE_I4, VTYPE_R4, VTYPE_R8, VTYPE_DATE, VTYPE_TM,
    VTYPE_PSTR, VTYPE_INTERFACE, VTYPE_ERROR, VTYPE_BOOL, VTYPE_VARIANT, VTYPE_I1, VTYPE_UI1,
    VTYPE_UI2, VTYPE_UI4, VTYPE_I8, VTYPE_UI8, VTYPE_INT, VTYPE_UINT, VTYPE_HRESULT, VTYPE_PWSTR,
    VTYPE_BLOB, VTYPE_CLSID,
};

struct tVariant {
    union {
        int8_t i8Val;
        int16_t shortVal;
        int32_t lVal;
        int intVal;
        unsigned int uintVal;
        int64_t llVal;
        uint8_t ui8Val;
        uint16_t ushortVal;
        uint32_t ulVal;
        uint64_t ullVal;
        int32_t errCode;
        long hRes;
        float fltVal;
        double dblVal;
        bool bVal;
        DATE date;
        IID_ IDVal;
        tVariant* pvarVal;
        struct tm tmVal;
        struct { void* pInterfaceVal; IID_ InterfaceID; } iface;
        struct { char* pstrVal; uint32_t strLen; } str;
        struct { WCHAR_T* pwstrVal; uint32_t wstrLen; } wstr;
    };
    uint32_t cbElements;
    TYPEVAR vt;
};

#if !defined(_WINDOWS) && defined(__x86_64__)
static_assert(sizeof(tVariant) == 64, "tVariant is 64 bytes on Linux x86_64");
static_assert(offsetof(tVariant, vt) == 60, "vt at 60 on Linux x86_64");
static_assert(offsetof(tVariant, cbElements) == 56, "cbElements at 56");
static_assert(sizeof(struct tm) == 56, "glibc tm is 56 bytes");
#endif

class IMemoryManager {
public:
    virtual ~IMemoryManager() {}
    virtual bool ADDIN_API AllocMemory(void** pMemory, unsigned long ulCountByte) = 0;
    virtual void ADDIN_API FreeMemory(void** pMemory) = 0;
};

struct IInterface {};

enum Interfaces { eIMsgBox = 0, eIPlatformInfo, eIAttachedInfo };
enum AppCapabilities { eAppCapabilitiesInvalid = -1, eAppCapabilities1 = 1, eAppCapabilities2 = 2, eAppCapabilities3 = 3 };
enum AttachType { eCanAttachNotIsolated = 1, eCanAttachIsolated, eCanAttachAny };
enum AttachedType { eAttachedIsolated = 0, eAttachedNotIsolated };

class IMsgBox : public IInterface {
public:
    virtual bool ADDIN_API Confirm(const WCHAR_T* queryText, tVariant* retVal) = 0;
    virtual bool ADDIN_API Alert(const WCHAR_T* text) = 0;
};

struct AppInfo {
    const WCHAR_T* AppVersion;
    const WCHAR_T* UserAgentInformation;
    int Application;
};

class IPlatformInfo : public IInterface {
public:
    virtual const AppInfo* ADDIN_API GetPlatformInfo() = 0;
};

class IAttachedInfo : public IInterface {
public:
    virtual AttachedType ADDIN_API GetAttachedInfo() = 0;
};

class IAddInDefBase {
public:
    virtual ~IAddInDefBase() {}
    virtual bool ADDIN_API AddError(unsigned short wcode, const WCHAR_T* source, const WCHAR_T* descr, long scode) = 0;
    virtual bool ADDIN_API Read(WCHAR_T* wszPropName, tVariant* pVal, long* pErrCode, WCHAR_T** errDescriptor) = 0;
    virtual bool ADDIN_API Write(WCHAR_T* wszPropName, tVariant* pVar) = 0;
    virtual bool ADDIN_API RegisterProfileAs(WCHAR_T* wszProfileName) = 0;
    virtual bool ADDIN_API SetEventBufferDepth(long lDepth) = 0;
    virtual long ADDIN_API GetEventBufferDepth() = 0;
    virtual bool ADDIN_API ExternalEvent(WCHAR_T* wszSource, WCHAR_T* wszMessage, WCHAR_T* wszData) = 0;
    virtual void ADDIN_API CleanEventBuffer() = 0;
    virtual bool ADDIN_API SetStatusLine(WCHAR_T* wszStatusLine) = 0;
    virtual void ADDIN_API ResetStatusLine() = 0;
};

class IAddInDefBaseEx : public IAddInDefBase {
public:
    virtual IInterface* ADDIN_API GetInterface(Interfaces iface) = 0;
};

class IInitDoneBase {
public:
    virtual ~IInitDoneBase() {}
    virtual bool ADDIN_API Init(void* disp) = 0;
    virtual bool ADDIN_API setMemManager(void* mem) = 0;
    virtual long ADDIN_API GetInfo() = 0;
    virtual void ADDIN_API Done() = 0;
};

class ILanguageExtenderBase {
public:
    virtual ~ILanguageExtenderBase() {}
    virtual bool ADDIN_API RegisterExtensionAs(WCHAR_T** wsExtensionName) = 0;
    virtual long ADDIN_API GetNProps() = 0;
    virtual long ADDIN_API FindProp(const WCHAR_T* wsPropName) = 0;
    virtual const WCHAR_T* ADDIN_API GetPropName(long lPropNum, long lPropAlias) = 0;
    virtual bool ADDIN_API GetPropVal(const long lPropNum, tVariant* pvarPropVal) = 0;
    virtual bool ADDIN_API SetPropVal(const long lPropNum, tVariant* varPropVal) = 0;
    virtual bool ADDIN_API IsPropReadable(const long lPropNum) = 0;
    virtual bool ADDIN_API IsPropWritable(const long lPropNum) = 0;
    virtual long ADDIN_API GetNMethods() = 0;
    virtual long ADDIN_API FindMethod(const WCHAR_T* wsMethodName) = 0;
    virtual const WCHAR_T* ADDIN_API GetMethodName(const long lMethodNum, const long lMethodAlias) = 0;
    virtual long ADDIN_API GetNParams(const long lMethodNum) = 0;
    virtual bool ADDIN_API GetParamDefValue(const long lMethodNum, const long lParamNum, tVariant* pvarParamDefValue) = 0;
    virtual bool ADDIN_API HasRetVal(const long lMethodNum) = 0;
    virtual bool ADDIN_API CallAsProc(const long lMethodNum, tVariant* paParams, const long lSizeArray) = 0;
    virtual bool ADDIN_API CallAsFunc(const long lMethodNum, tVariant* pvarRetValue, tVariant* paParams, const long lSizeArray) = 0;
};

class LocaleBase {
public:
    virtual ~LocaleBase() {}
    virtual void ADDIN_API SetLocale(const WCHAR_T* loc) = 0;
};

class UserLanguageBase {
public:
    virtual ~UserLanguageBase() {}
    virtual void ADDIN_API SetUserInterfaceLanguageCode(const WCHAR_T* lang) = 0;
};

class IComponentBase : public IInitDoneBase, public ILanguageExtenderBase, public LocaleBase, public UserLanguageBase {
public:
    virtual ~IComponentBase() {}
};

typedef const WCHAR_T* (*GetClassNamesFn)();
typedef long (*GetClassObjectFn)(const WCHAR_T* clsName, IComponentBase** pIntf);
typedef long (*DestroyObjectFn)(IComponentBase** pIntf);
typedef AppCapabilities (*SetPlatformCapabilitiesFn)(const AppCapabilities capabilities);
typedef AttachType (*GetAttachTypeFn)();
